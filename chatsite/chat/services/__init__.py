"""Writes, by domain: accounts, threads, messages, membership, presence. Each takes who acts (an Actor)
and keeps the site's mirror (models.Thread) and the live path (markers, roster, states) current itself."""
