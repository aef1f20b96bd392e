"""The ASGI deployment's PostgreSQL connections come from psycopg's pool (DATABASE_POOL_SIZE); gthread keeps one
per thread as before."""

import json

from .conftest import manage, production_env

SHOW = (
    "import json; from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps({'age': d['CONN_MAX_AGE'], 'pool': d.get('OPTIONS', {}).get('pool')}))"
)


def database_settings(**env):
    result = manage("shell", "-c", SHOW, env=production_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_pool_size_takes_connections_from_a_pool_instead_of_keeping_one_per_thread():
    found = database_settings(DATABASE_POOL_SIZE="12")
    assert found["pool"]["max_size"] == 12
    assert found["age"] == 0  # Django refuses persistent connections beside a pool


def test_without_it_each_thread_keeps_its_connection_as_before():
    assert database_settings() == {"age": 60, "pool": None}


def test_the_asgi_configuration_turns_the_pool_on():
    code = "import chatsite.gunicorn_asgi_conf as c, os; print(c.worker_class, os.environ['DATABASE_POOL_SIZE'])"
    result = manage("shell", "-c", code, env=production_env())
    assert result.stdout.split()[-2:] == ["uvicorn_worker.UvicornWorker", "16"], result.stderr
