"""Sources: translate Asterisk AMI, queue_log files and recordings into wallboard events."""
