"""The Textual wallboard: one app for live boards, hub views and replays."""
