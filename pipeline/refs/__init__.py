"""Reference parsing, author names, work identity, matching to corpus documents, citation counts.

Example::

    >>> from pipeline.refs import parse_footnotes, assign_work_ids
    >>> refs = [r for fn in parse_footnotes(["参见毛小骅、卢获：《论数字资本的多重属性》，《经济学动态》2024年第9期。",
    ...                                      "参见毛小骅、卢荻：《论数字资本的多重属性》，《经济学动态》2024年第9期。"]) for r in fn]
    >>> variants = assign_work_ids(refs)
    >>> refs[0].work_id == refs[1].work_id
    True
"""
from pipeline.refs.graph import (
                                 author_citation_counts,
                                 coauthorship_pairs,
                                 cocitation_pairs,
                                 work_citation_counts,
)
from pipeline.refs.identity import assign_work_ids, title_key, work_id_for_doc, work_id_for_ref
from pipeline.refs.match import match_references
from pipeline.refs.names import load_aliases, split_authors, suggest_aliases
from pipeline.refs.parse import parse_footnotes, parse_references

__all__ = [
                                 "assign_work_ids",
                                 "author_citation_counts",
                                 "coauthorship_pairs",
                                 "cocitation_pairs",
                                 "load_aliases",
                                 "match_references",
                                 "parse_footnotes",
                                 "parse_references",
                                 "split_authors",
                                 "suggest_aliases",
                                 "title_key",
                                 "work_citation_counts",
                                 "work_id_for_doc",
                                 "work_id_for_ref",
]
