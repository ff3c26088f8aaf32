"""The live Asterisk AMI source: pyst2 over TCP, mapped to wallboard events."""

from wallboard.adapters.ami.client import ALLOWED_ACTIONS, AmiSource
from wallboard.adapters.ami.mapper import AmiMapper

__all__ = ["ALLOWED_ACTIONS", "AmiMapper", "AmiSource"]
