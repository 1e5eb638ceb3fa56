"""basstory: a data story of Full BAS and Simple BAS usage for the BAS product manager."""

__version__ = "0.1.0"
