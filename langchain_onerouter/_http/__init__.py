"""All I/O: the only subpackage that imports httpx2 or tenacity."""
