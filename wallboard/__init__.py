"""wallboard: a real-time call-centre supervisor wallboard for the terminal."""

__version__ = "0.1.0"
