"""Reading articles from files, folders, records and URLs."""

from .fetch import fetch_urls, looks_like_url_list, read_url_list
from .readers import decode_bytes, discover, read_bytes, read_path, sniff_binary

__all__ = ["decode_bytes", "discover", "fetch_urls", "looks_like_url_list", "read_bytes", "read_path",
           "read_url_list", "sniff_binary"]
