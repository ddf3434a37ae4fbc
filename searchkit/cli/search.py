"""`searchkit search INDEX QUERY`: one query through several retrievers, side by side."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from searchkit.cli.common import (
    add_encoder_options,
    add_index_options,
    add_long_docs_options,
    add_retriever_options,
    open_index,
    open_retrievers_from_args,
    positive_int,
)
from searchkit.corpus import Document
from searchkit.display import printable, printable_json
from searchkit.errors import SearchkitError

PASSAGE_CHARS = 160  # of a matched passage, around its query terms
UNTITLED_CHARS = 200  # of an untitled hit's text, for its first words


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="search an index with several encoders (and BM25, hybrid) side by side",
        description="One query through every encoder the index holds (or --encoders), plus BM25 (--bm25) "
        "and the RRF hybrid of BM25 and a dense encoder (--hybrid). BM25 is built on first use and saved "
        "beside the index.",
    )
    parser.add_argument("index", help="index name (under --home) or folder")
    parser.add_argument("query", nargs="?", help="the query (or give --queries)")
    parser.add_argument(
        "--queries", type=Path, metavar="FILE",
        help="answer every query of FILE with one load of the models: a query per line, or a BEIR queries.jsonl",
    )  # fmt: skip
    parser.add_argument("-k", type=positive_int, default=10, help="hits per retriever (default: 10)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_encoder_options(parser, None)
    add_long_docs_options(parser, indexing=False)
    add_retriever_options(parser)
    add_index_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from searchkit.retrieval import answer_all

    if (args.query is None) == (args.queries is None):
        raise SearchkitError("give one query, or a file of queries with --queries FILE (not both)")
    queries = [args.query] if args.query is not None else read_query_file(args.queries)
    with open_index(args, args.index) as index:
        retrievers = open_retrievers_from_args(args, index, args.encoders, query_exports=True)
        answers = answer_all(retrievers, queries, args.k)
        ids = {hit.doc_id for answer in answers.values() for hits in answer.hits for hit in hits}
        documents = index.store.documents(sorted(ids))
    results = [
        {
            name: [
                {"rank": rank, "score": round(hit.score, 6), "id": hit.doc_id, "title": documents[hit.doc_id].title}
                | ({"span": list(hit.span)} if hit.span is not None else {})
                for rank, hit in enumerate(answer.hits[row], start=1)
            ]
            for name, answer in answers.items()
        }
        for row in range(len(queries))
    ]
    if args.json:
        # exact JSON; control characters in it are written as \u escapes, never raw
        found = [{"query": query, "k": args.k, "results": columns} for query, columns in zip(queries, results)]
        print(printable_json(json.dumps(found[0] if args.query is not None else found, ensure_ascii=False, indent=2)))
    else:
        for query, columns in zip(queries, results):
            print_side_by_side(query, columns, documents)
    return 0


def read_query_file(path: Path) -> list[str]:
    """The queries of a BEIR queries.jsonl (their text, in file order), or of a text file (non-blank lines)."""
    from searchkit.corpus.beir import read_queries
    from searchkit.corpus.lines import read_lines

    if not path.is_file():
        raise SearchkitError(f"--queries {path}: no such file")
    queries = list(read_queries(path).values()) if path.suffix == ".jsonl" else [t for _, t in read_lines(path) if t.strip()]
    if not queries:
        raise SearchkitError(f"--queries {path}: no query in this file")
    return queries


def print_side_by_side(query: str, columns: dict[str, list[dict]], documents: dict[str, Document]) -> None:
    """A column per retriever; each hit shows score and id, then its title (or, untitled, its first words), then
    the passage that matched when the retriever scored one. Document text is shown printable (control characters escaped)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from searchkit.tui.text import excerpt, query_terms, snippet

    terms = query_terms(query)
    table = Table(title=Text(f"query: {printable(query)}"), show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    for name in columns:
        table.add_column(name, overflow="ellipsis", no_wrap=True, ratio=1)
    depth = max((len(hits) for hits in columns.values()), default=0)
    for row in range(depth):
        cells = [Text(str(row + 1))]
        for hits in columns.values():
            if row < len(hits):
                hit = hits[row]
                document = documents[hit["id"]]
                label = hit["title"] or " ".join(document.text[:UNTITLED_CHARS].split()[:12])
                cell = Text.assemble((f"{hit['score']:.3f} ", "cyan"), (printable(hit["id"]), "bold"), "\n", printable(label))
                if "span" in hit:
                    passage = excerpt(document, tuple(hit["span"]), terms)
                    cell.append("\n» ").append(snippet(passage, terms, PASSAGE_CHARS))
                cells.append(cell)
            else:
                cells.append(Text(""))
        table.add_row(*cells)
    Console().print(table)
