"""The environment variables wallboard reads: secrets, never in argv or the config's logs.

Plain names in a module of their own, so a command's help can name them without
loading the configuration reader (and the engine settings behind it).
"""

AMI_SECRET_ENV = "WALLBOARD_AMI_SECRET"
HUB_TOKEN_ENV = "WALLBOARD_HUB_TOKEN"
# `wallboard simulate`'s AMI accounts (user:secret[:rw][:read=CLASS+...],...).
SIMULATOR_USERS_ENV = "WALLBOARD_SIM_USERS"
