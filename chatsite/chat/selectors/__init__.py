"""Reads, by domain: accounts, threads, messages, membership, presence. Each takes who reads (an Actor)."""
