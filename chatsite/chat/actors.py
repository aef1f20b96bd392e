"""Who acts: a person with their own ACS identity, or the site's service identity acting for staff.

Every service takes an actor, so each operation exists once for people and staff alike.
"""

import dataclasses
from functools import cached_property

from chatsite.acs import gateway, service
from chatsite.acs.identities import acs_user_id_for

from .selectors.accounts import display_name


@dataclasses.dataclass(frozen=True)
class Actor:
    user: object | None  # None: the site's service identity

    @classmethod
    def person(cls, user) -> "Actor":
        return cls(user)

    @classmethod
    def service(cls) -> "Actor":
        return cls(None)

    @property
    def is_service(self) -> bool:
        return self.user is None

    @cached_property
    def acs(self) -> gateway.Gateway:
        return gateway.as_service() if self.is_service else gateway.as_person(self.user)

    @cached_property
    def acs_user_id(self) -> str:
        if self.is_service:
            return service.acs_user_id()
        return acs_user_id_for(self.user)

    @property
    def display_name(self) -> str:
        return service.display_name() if self.is_service else display_name(self.user)
