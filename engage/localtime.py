"""The partnership's local time, in which event times are typed and shown."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_now():
    """Now, in LOCAL_TIMEZONE, as a naive datetime comparable with stored event times."""
    return datetime.now(ZoneInfo(current_app.config["LOCAL_TIMEZONE"])).replace(tzinfo=None)
