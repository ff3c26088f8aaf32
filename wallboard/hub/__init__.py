"""The websocket hub: one collector per PBX, many read-only viewers (docs/HUB.md)."""
