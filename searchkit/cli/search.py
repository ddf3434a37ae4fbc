"""`searchkit search INDEX QUERY`: one query through several retrievers, side by side."""

from __future__ import annotations

import argparse
import json

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
    parser.add_argument("query")
    parser.add_argument("-k", type=positive_int, default=10, help="hits per retriever (default: 10)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_encoder_options(parser, None)
    add_long_docs_options(parser, indexing=False)
    add_retriever_options(parser)
    add_index_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from searchkit.retrieval import answer_all

    with open_index(args, args.index) as index:
        retrievers = open_retrievers_from_args(args, index, args.encoders)
        results = {name: answer.hits[0] for name, answer in answer_all(retrievers, [args.query], args.k).items()}
        ids = {hit.doc_id for hits in results.values() for hit in hits}
        documents = index.store.documents(sorted(ids))
    columns = {
        name: [
            {"rank": rank, "score": round(hit.score, 6), "id": hit.doc_id, "title": documents[hit.doc_id].title}
            | ({"span": list(hit.span)} if hit.span is not None else {})
            for rank, hit in enumerate(hits, start=1)
        ]
        for name, hits in results.items()
    }
    if args.json:
        # exact JSON; control characters in it are written as \u escapes, never raw
        print(printable_json(json.dumps({"query": args.query, "k": args.k, "results": columns}, ensure_ascii=False, indent=2)))
    else:
        print_side_by_side(args.query, columns, documents)
    return 0


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
