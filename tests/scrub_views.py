"""A scrub chart's records read back at one position (ui.scrub sends one record a cell)."""


def records_at(records: list[dict], **position) -> list[dict]:
    """A scrub chart view's records as the browser shows them at `position` (field -> option, in the order of
    the chart's inputs): one record a cell, with each moving field's `field@name` column picked and the
    position added (ui.scrub's wide records), or the tagged records of that position."""
    name = ",".join(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in position.values())
    if not any("@" in field for field in records[0]):
        return [r for r in records if all(r.get(field) == value for field, value in position.items())]
    picked = []
    for record in records:
        cell = {field: value for field, value in record.items() if "@" not in field}
        cell.update({field.split("@")[0]: value for field, value in record.items() if field.endswith("@" + name)})
        picked.append({**cell, **position})
    return picked


def positions_sent(records: list[dict]) -> set[str]:
    """The positions a scrub chart view's wide records carry, as ui.scrub names them ("1", "0.3", "5,11")."""
    return {field.split("@", 1)[1] for record in records for field in record if "@" in field}
