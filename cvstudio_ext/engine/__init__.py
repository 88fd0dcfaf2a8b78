"""The domain: pure CV/ML code with no HTTP and no database."""
