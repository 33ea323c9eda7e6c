import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds (full games); deselect with -m 'not slow'")


# Plain asserts in the shared check helpers report their values like a test's.
pytest.register_assert_rewrite("selfplay_checks")
