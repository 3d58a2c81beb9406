"""Tools the agents call: knowledge base, request parsing, search, chat models, CTGAN."""
