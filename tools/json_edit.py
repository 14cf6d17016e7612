# SPDX-License-Identifier: GPL-2.0-only
"""Edits of a JSON document at a path, as functions: the schema checks build
the documents a schema must reject from a valid one with them."""


def _parent(doc, path):
    for p in path[:-1]:
        doc = doc[p]
    return doc


def set_at(path, value):
    def edit(doc):
        _parent(doc, path)[path[-1]] = value
    return edit


def delete_at(path):
    def edit(doc):
        del _parent(doc, path)[path[-1]]
    return edit


def append_at(path, value):
    def edit(doc):
        for p in path:
            doc = doc[p]
        doc.append(value)
    return edit
