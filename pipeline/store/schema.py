"""The documented schema of the corpus result tables in ``.litmap/store.duckdb``.

Each table mirrors one corpus stage's result of the current run and is rewritten whole when that
result changes (cached or recomputed): ``duckdb .litmap/store.duckdb`` then ``SHOW TABLES``
lists them, and e.g. ``SELECT concept, count(*) FROM mentions GROUP BY concept`` counts the
registry concepts' occurrences. The rows come from the stages' domain code
(``concepts/tables.py``, ``models/tables.py``, ``refs/tables.py``); this module only names and
types the columns, so the schema is read in one place.

Lists are DuckDB lists (``VARCHAR[]``); nested records (a mention's attributions) are JSON text.
The document tables (documents, sections, paragraphs, sentences, footnotes, refs, warnings) and
the citation tables (doc_works, citations, work_references) are made by the migrations of
``store/db.py``.
"""
from __future__ import annotations

from .tables import C, Table

_WHERE = "where in the document: title | abstract | keywords | body | footnote (the contract's `where`)"

MENTIONS = Table("mentions", "concepts", "one row per occurrence of a registry concept in a document", (
    C("concept", "VARCHAR", "the registry concept's canonical name (configs/concepts.yaml)"),
    C("term", "VARCHAR", "the registry surface matched (the name or one of its variants)"),
    C("surface", "VARCHAR", "the text as printed, quotation marks included when quoted"),
    C("quoted", "BOOLEAN", "printed in quotation marks"),
    C("variant", "BOOLEAN", "matched through a variant, not the name"),
    C("doc_id", "VARCHAR", "the document (hash of its bytes)"),
    C("doc_authors", "VARCHAR[]", "the document's authors (canonical names)"),
    C("doc_title", "VARCHAR", "the document's title"),
    C("year", "INTEGER", "the document's year (printed, else inferred)"),
    C("year_inferred", "BOOLEAN", "the year was inferred, not printed"),
    C("place", "VARCHAR", _WHERE),
    C("section", "VARCHAR", "the heading of the section holding it (body)"),
    C("paragraph", "INTEGER", "paragraph index in the body (0-based)"),
    C("sentence_index", "INTEGER", "sentence index in its paragraph (0-based)"),
    C("footnote_n", "INTEGER", "the footnote's running number (place = footnote)"),
    C("heading", "BOOLEAN", "it stands in a section heading"),
    C("funding_note", "BOOLEAN", "it stands in the funding note"),
    C("sentence", "VARCHAR", "the sentence (or, past concepts.max_sentence_chars, the KWIC window)"),
    C("start", "INTEGER", "character offset of the match in the sentence"),
    C("kwic_left", "VARCHAR", "text left of the match (report.kwic_width characters)"),
    C("kwic_match", "VARCHAR", "the match"),
    C("kwic_right", "VARCHAR", "text right of the match"),
    C("attributed_authors", "VARCHAR[]", "cited authors of the footnotes of its sentence"),
    C("attributed_footnotes", "INTEGER[]", "those footnotes' running numbers"),
    C("attributed", "JSON", "the attributed references whole (footnote_n, authors, year, title, work_id, ...)"),
    C("context_tokens", "VARCHAR[]", "content words of its sentence (registry variants folded to names)"),
))

COOCCURRENCE = Table("cooccurrence", "concepts", "one row per term pair within cooccurrence.window, strongest "
                     "first, capped by cooccurrence.max_rows", (
    C("term_a", "VARCHAR", "first term (the pair is unordered: term_a < term_b)"),
    C("term_b", "VARCHAR", "second term"),
    C("count", "BIGINT", "windows holding both"),
    C("npmi", "DOUBLE", "normalized pointwise mutual information"),
    C("llr", "DOUBLE", "log-likelihood ratio (Dunning's G2)"),
))

CONCEPTS = Table("concepts", "concepts", "one row per registry concept that occurs (the report's concept table)", (
    C("concept", "VARCHAR", "canonical name"),
    C("en", "VARCHAR", "English rendering from the registry"),
    C("mentions", "INTEGER", "occurrences kept (one per work and sentence)"),
    C("documents", "INTEGER", "documents using it"),
    C("works", "INTEGER", "works using it"),
    C("users", "INTEGER", "users (authors and cited authors)"),
    C("first_use_author", "VARCHAR", "the earliest user"),
    C("first_use_year", "INTEGER", "that user's year"),
    C("spread_edges", "INTEGER", "edges of its spread"),
))

CONCEPT_USERS = Table("concept_users", "concepts", "one row per (concept, author, role)", (
    C("concept", "VARCHAR", "canonical name"),
    C("author", "VARCHAR", "canonical name of the user"),
    C("role", "VARCHAR", "cited | author"),
    C("first_year", "INTEGER", "the year of the user's first use"),
    C("year_inferred", "BOOLEAN", "that year was inferred"),
    C("count", "INTEGER", "uses"),
    C("doc_ids", "VARCHAR[]", "documents of the uses"),
    C("source", "VARCHAR", "work_id (cited) or doc_id (author) of the first use"),
))

SPREAD_EDGES = Table("spread_edges", "concepts", "one row per edge of a concept's spread between users", (
    C("concept", "VARCHAR", "canonical name"),
    C("from_user", "VARCHAR", "the earlier user"),
    C("from_year", "INTEGER", "their year"),
    C("to_user", "VARCHAR", "the later user"),
    C("to_year", "INTEGER", "their year"),
    C("via", "VARCHAR", "citation | co-use"),
    C("evidence", "VARCHAR", "the sentence showing it"),
    C("doc_id", "VARCHAR", "the citing document"),
    C("work_id", "VARCHAR", "the cited work (via citation)"),
    C("footnote_n", "INTEGER", "the footnote of the citation"),
    C("stance", "VARCHAR", "how the citing sentence uses the work (stance stage)"),
    C("stance_cue", "VARCHAR", "the cue that decided the stance"),
))

COINAGES = Table("coinages", "concepts", "one row per mined term outside the registry with its first users", (
    C("term", "VARCHAR", "the term"),
    C("mentions", "INTEGER", "uses (one per work and sentence)"),
    C("documents", "INTEGER", "documents using it"),
    C("first_user", "VARCHAR", "the earliest user"),
    C("first_year", "INTEGER", "their year"),
    C("users", "VARCHAR", "users, ';'-joined"),
    C("example", "VARCHAR", "a sentence using it"),
))

TOPICS = Table("topics", "topics", "one row per topic of the fitted model", (
    C("topic_id", "INTEGER", "topic number"),
    C("label", "VARCHAR", "label from its most relevant terms"),
    C("top_terms", "VARCHAR[]", "most probable terms"),
    C("relevant_terms", "VARCHAR[]", "terms by relevance (lambda of topics.relevance)"),
    C("coherence", "DOUBLE", "c_v coherence (NPMI for NMF)"),
    C("prevalence", "DOUBLE", "share of the corpus's weight"),
))

DOC_TOPICS = Table("doc_topics", "topics", "one row per (document unit, topic) with weight >= 0.01", (
    C("doc_id", "VARCHAR", "the document"),
    C("unit_id", "VARCHAR", "the unit modelled (doc_id, doc_id:pN paragraph, doc_id:sN section)"),
    C("topic_id", "INTEGER", "topic number"),
    C("weight", "DOUBLE", "the unit's weight on the topic"),
))

AUTHOR_TOPICS = Table("author_topics", "topics", "one row per (author, topic) of the author-topic model", (
    C("author", "VARCHAR", "canonical name (authors and cited authors)"),
    C("topic_id", "INTEGER", "topic number"),
    C("label", "VARCHAR", "the topic's label"),
    C("weight", "DOUBLE", "the author's weight on the topic"),
    C("n_units", "INTEGER", "units of the author in the model"),
))

TERMS = Table("terms", "terms", "one row per ranked new-term candidate", (
    C("term", "VARCHAR", "the candidate"),
    C("kind", "VARCHAR", "quoted | dash | phrase, ';'-joined"),
    C("freq", "INTEGER", "uses in the corpus"),
    C("n_docs", "INTEGER", "documents using it"),
    C("first_seen", "INTEGER", "the year of its first use"),
    C("first_doc", "VARCHAR", "the document of its first use"),
    C("example", "VARCHAR", "a sentence using it"),
    C("known", "BOOLEAN", "already a registry concept"),
    C("concept", "VARCHAR", "that concept's name"),
    C("score", "DOUBLE", "the ranking score"),
))

SIMILAR_PAPERS = Table("similar_papers", "vectors", "one row per (paper, similar paper) by LSA cosine", (
    C("doc_id", "VARCHAR", "the paper"),
    C("rank", "INTEGER", "1 = most similar"),
    C("similar_doc_id", "VARCHAR", "the similar paper"),
    C("similarity", "DOUBLE", "cosine in the LSA space"),
))

DEFINITIONS = Table("definitions", "definitions", "one row per sentence defining or characterizing a concept", (
    C("concept", "VARCHAR", "canonical name"),
    C("kind", "VARCHAR", "definition | characterization"),
    C("definer", "VARCHAR", "self, or the cited authors"),
    C("definer_footnote", "INTEGER", "the footnote naming the definer"),
    C("doc_id", "VARCHAR", "the document"),
    C("doc_authors", "VARCHAR[]", "its authors"),
    C("year", "INTEGER", "its year"),
    C("place", "VARCHAR", _WHERE),
    C("surface", "VARCHAR", "the concept as printed"),
    C("cue", "VARCHAR", "the text the cue matched"),
    C("cue_name", "VARCHAR", "the cue (definitions.cues)"),
    C("sentence", "VARCHAR", "the sentence"),
))

STANCES = Table("stances", "stance", "one row per citing footnote with its stance", (
    C("doc_id", "VARCHAR", "the citing document"),
    C("footnote_n", "INTEGER", "the footnote"),
    C("cited_authors", "VARCHAR", "cited authors, ';'-joined"),
    C("label", "VARCHAR", "the stance (stance.lexicon labels)"),
    C("cue", "VARCHAR", "the cue's name"),
    C("cue_in", "VARCHAR", "body | footnote: where the cue was found"),
    C("matched", "VARCHAR", "the text the cue matched"),
    C("sentence", "VARCHAR", "the citing sentence"),
))

GLOSSARY = Table("glossary", "glossary", "one row per Chinese term or name printed with its foreign original", (
    C("zh", "VARCHAR", "the Chinese head"),
    C("foreign", "VARCHAR", "the foreign original"),
    C("kind", "VARCHAR", "person | term"),
    C("occurrences", "INTEGER", "times printed"),
    C("first_user", "VARCHAR", "the earliest document's author"),
    C("first_year", "INTEGER", "its year"),
    C("first_doc", "VARCHAR", "that document"),
    C("docs", "VARCHAR[]", "documents printing it"),
))

COCITATION = Table("cocitation", "works", "one row per pair of works cited by the same work", (
    C("work_a", "VARCHAR", "a work"),
    C("work_b", "VARCHAR", "another"),
    C("count", "INTEGER", "citing works citing both"),
))

COAUTHORSHIP = Table("coauthorship", "works", "one row per pair of cited authors writing together", (
    C("author_a", "VARCHAR", "an author"),
    C("author_b", "VARCHAR", "another"),
    C("count", "INTEGER", "cited works they wrote together"),
))

CONCEPT_SHIFT = Table("concept_shift", "shift", "one row per (concept, period pair) compared", (
    C("concept", "VARCHAR", "canonical name"),
    C("period_a", "VARCHAR", "the earlier period"),
    C("period_b", "VARCHAR", "the later period"),
    C("shift", "DOUBLE", "the distance less what chance gives"),
    C("distance", "DOUBLE", "Jensen-Shannon distance of the context words"),
    C("expected", "DOUBLE", "the distance expected by chance (permutations)"),
    C("p_value", "DOUBLE", "permutation p-value"),
    C("q_value", "DOUBLE", "Benjamini-Hochberg q-value"),
    C("significant", "BOOLEAN", "q below shift.alpha"),
    C("uses_a", "INTEGER", "uses in period a"),
    C("uses_b", "INTEGER", "uses in period b"),
    C("documents_a", "INTEGER", "documents in period a"),
    C("documents_b", "INTEGER", "documents in period b"),
    C("entered", "JSON", "words that entered: [word, count a, count b]"),
    C("left", "JSON", "words that left: [word, count a, count b]"),
))

RESULT_TABLES: tuple[Table, ...] = (
    MENTIONS, COOCCURRENCE, CONCEPTS, CONCEPT_USERS, SPREAD_EDGES, COINAGES, TOPICS, DOC_TOPICS, AUTHOR_TOPICS,
    TERMS, SIMILAR_PAPERS, DEFINITIONS, STANCES, GLOSSARY, COCITATION, COAUTHORSHIP, CONCEPT_SHIFT)


def tables_of(stage: str) -> tuple[Table, ...]:
    return tuple(t for t in RESULT_TABLES if t.stage == stage)
