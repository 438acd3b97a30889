pytest_plugins = ["npd_devstack.pytest_plugin"]
