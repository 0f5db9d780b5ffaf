"""PolicyDesk's assistant: retrieval, grounded answers with citations, and the CLI/UI faces over them."""
