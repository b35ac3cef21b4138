"""reviewbot: review Linux kernel patch mails the way maintainers do."""

__version__ = "0.1.0"
