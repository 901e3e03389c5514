"""The HTTP prediction server: what it serves, request checks, batching, the FastAPI app."""
