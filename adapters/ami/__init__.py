"""The live Asterisk AMI source: pyst2 over TCP (`client`), mapped to wallboard events (`mapper`).

Nothing is imported here: replaying an AMI recording needs the mapper, never
pyst2 and asyncio, and a package import runs this file first.
"""
