"""Tables for list pages: columns declared once in Python, rendered by one template without logic."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html


@dataclass(frozen=True)
class Column:
    accessor: str
    label: Any
    sort: str | None = None
    link: bool = False
    formatter: Any = None

    def value(self, obj):
        value = obj
        for part in self.accessor.split("."):
            if value is None:
                break
            value = getattr(value, part)
            if callable(value) and not hasattr(value, "_meta"):
                value = value()
        if self.formatter is not None:
            return self.formatter(value, obj)
        return display(value)


def display(value):
    if value is None or value == "":
        return "—"
    if value is True:
        return format_html('<span class="badge bg-green-lt">{}</span>', "是")
    if isinstance(value, datetime.datetime):
        return localize(timezone.localtime(value)) if timezone.is_aware(value) else localize(value)
    if value is False:
        return format_html('<span class="text-secondary">{}</span>', "否")
    return localize(value)


class Table:
    def __init__(self, columns: list[Column], rows, *, sort: str = "", query: str = ""):
        self.columns = columns
        self.rows = rows
        self.sort = sort
        self.query = query

    def headers(self):
        headers = []
        for column in self.columns:
            sort_key = column.sort
            state = ""
            next_sort = sort_key
            if sort_key:
                if self.sort == sort_key:
                    state, next_sort = "asc", f"-{sort_key}"
                elif self.sort == f"-{sort_key}":
                    state, next_sort = "desc", sort_key
            headers.append({"label": column.label, "sort": next_sort, "state": state})
        return headers

    def body(self):
        for obj in self.rows:
            cells = []
            for column in self.columns:
                cells.append({
                    "value": column.value(obj),
                    "url": obj.get_absolute_url() if column.link and hasattr(obj, "get_absolute_url") else None,
                })
            yield {"obj": obj, "cells": cells}
