def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds (full games); deselect with -m 'not slow'")
