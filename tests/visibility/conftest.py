from tests.chat.conftest import ana, bruno, make_person, thread_id  # noqa: F401 - shared fixtures
