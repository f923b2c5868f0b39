"""HTTP API, web pages and the CLI: thin layers over the services."""
