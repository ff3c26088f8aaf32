"""`wallboard simulate`: a seeded call-centre model behind a protocol-faithful AMI server."""
