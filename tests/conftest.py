import pytest

from suites import DATA, missing


def pytest_runtest_setup(item):
    """Skip a test marked shared_data(...) whose files are absent (the markers
    are declared in pyproject.toml)."""
    for mark in item.iter_markers("shared_data"):
        absent = missing(mark.args)
        if absent:
            pytest.skip(f"needs {', '.join(absent)} of ../shared/data (not found in {DATA})")


@pytest.fixture
def defaults_after():
    """Restore the search parameters' defaults after a test that moves them."""
    yield
    from search import tunables
    from search.search import set_params
    set_params(tunables.defaults())


# Plain asserts in the shared check helpers report their values like a test's.
pytest.register_assert_rewrite("selfplay_checks")
