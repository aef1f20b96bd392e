"""The cache keys of the acs package (the rest of the site's are in chat/live/keys.py, which acs must not import:
chat is built on acs, not the other way round)."""


def user_id(user_pk: int) -> str:
    """Holds a person's ACS user id (str), asked on every poll."""
    return f"acs:user-id:{user_pk}"


def service_identity_id() -> str:
    """Holds the service identity's ACS user id (str)."""
    return "acs:service-identity-id"
