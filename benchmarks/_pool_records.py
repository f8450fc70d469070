"""Reading the pool records written beside a results file.

Shared by ``quality.py``, which writes them (``<stem>_pools.jsonl``), and
``quality_more_seeds.py``, which compares them without importing the
library.
"""

import json
from pathlib import Path


def read_pools(path):
    """The records of a pools file, by dataset: the first of each (a line
    cut short by a killed run is left out); none when the file is missing
    or unreadable."""
    pools = {}
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return pools
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("dataset"), str):
            pools.setdefault(record["dataset"], record)
    return pools


def pool_text(record):
    """A pool record in words, for messages."""
    text = (f"{record.get('rows')} rows, {record.get('test_rows')} test rows, "
            f"digest {str(record.get('digest'))[:12]}")
    if "val_seed" in record:
        text += f", validation split seed {record['val_seed']}"
    return text
