"""The `newsrag` command line.  Errors become one line on stderr and exit code 1."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from vectorstore.ingest.loaders import supported_text

from .cli_context import Context, progress_bar, run_safely
from .cli_groups import feed, feedback
from .offline import apply_offline_defaults

log = logging.getLogger("newsrag")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Store location [NEWSRAG_DATA_DIR].")
@click.option("--answerer", help="extractive, openai, ollama or llamacpp [NEWSRAG_ANSWERER].")
@click.option("--model", help="LLM model name, or GGUF path for llamacpp [NEWSRAG_MODEL].")
@click.option("--base-url", help="LLM server URL [NEWSRAG_BASE_URL].")
@click.option("--context-k", type=int, help="Passages the answer is written from [NEWSRAG_CONTEXT_K].")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or notices.")
@click.option("-v", "--verbose", count=True, help="Log more (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, answerer: str | None, model: str | None,
         base_url: str | None, context_k: int | None, quiet: bool, verbose: int) -> None:  # fmt: skip
    """newsrag: ask questions about news articles and get cited answers, offline."""
    apply_offline_defaults()
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    logging.getLogger("pypdf").setLevel(logging.ERROR if verbose < 2 else logging.DEBUG)  # a bad PDF logs thousands
    overrides = {
        "data_dir": data_dir, "answerer": answerer, "model": model, "base_url": base_url, "context_k": context_k,
    }  # fmt: skip
    ctx.obj = Context(overrides, quiet, own_process=ctx.obj is OWN_PROCESS)


@main.command(
    help=f"Add articles from {supported_text()} files or folders, or from web pages (https://…).",
)
@click.argument("paths", nargs=-1, required=True)
@click.option("--source", help="Outlet of the articles, e.g. 'Reuters'.")
@click.option("--date", "published", help="Publication date, YYYY-MM-DD.")
@click.option("--title", help="Title (for a single article file).")
@click.option("--url", help="URL (for a single article file).")
@click.option("--id", "article_id", help="Article id (for a single article file); default: a hash of the text.")
@click.pass_obj
def ingest(obj: Context, paths: tuple[str, ...], source: str | None, published: str | None,
           title: str | None, url: str | None, article_id: str | None) -> None:  # fmt: skip
    def go() -> None:
        from vectorstore.article import parse_date
        from vectorstore.errors import InputError
        from vectorstore.ingest.loaders import Overrides

        try:
            date = parse_date(published)
        except ValueError as e:
            raise InputError(f"--date: {e}.") from None
        overrides = Overrides(title=title, source=source, published=date, url=url, id=article_id)
        service = obj.service()
        if not obj.quiet:  # the first batch would wait for it with the bar at "0 articles"
            click.echo("Loading the embedding model…", err=True)
            service.load_embedder()
        with progress_bar(obj.quiet, "Ingesting") as tick:
            from vectorstore.ingest.fetch import is_url

            files = [Path(p) for p in paths if not is_url(p)]
            report = service.ingest_paths(files, overrides, on_progress=tick, urls=[p for p in paths if is_url(p)])
        from .render import report_text

        click.echo(report_text(report))
        if report.counts["failed"]:
            sys.exit(1)

    run_safely(go)


def time_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--as-of, --since, --until and --source, shared by `ask` and `chat`."""
    fn = click.option("--source", "sources", multiple=True, help="Only articles from this outlet (repeatable).")(fn)
    fn = click.option("--until", help="Only articles published on or before this day (YYYY-MM-DD).")(fn)
    fn = click.option("--since", help="Only articles published on or after this day (YYYY-MM-DD).")(fn)
    fn = click.option(
        "--as-of", "as_of", help="Ask as of this day (YYYY-MM-DD; default today): later articles are never used."
    )(fn)
    return fn


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the structured answer as JSON.")
@time_options
@click.pass_obj
def ask(obj: Context, question: str, as_json: bool, as_of: str | None, since: str | None, until: str | None,
        sources: tuple[str, ...]) -> None:  # fmt: skip
    """Answer QUESTION from the stored articles, with numbered sources.

    Time in the question ("this week", "in March", "since Monday") is read relative to --as-of."""

    def go() -> None:
        from rag.filters import Filters

        filters = Filters.parse(as_of=as_of, since=since, until=until, sources=list(sources))
        answer = obj.service(preload=True).ask(question, filters=filters)
        if as_json:
            click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        else:
            from .render import answer_text

            click.echo(answer_text(answer))
        obj.done()

    run_safely(go)


@main.command()
@time_options
@click.pass_obj
def chat(obj: Context, as_of: str | None, since: str | None, until: str | None, sources: tuple[str, ...]) -> None:
    """Ask questions one per line; follow-ups use the conversation so far."""

    def go() -> None:
        from rag.answer import Answer
        from rag.filters import Filters
        from vectorstore.errors import InputError

        filters = Filters.parse(as_of=as_of, since=since, until=until, sources=list(sources))

        from .render import answer_text

        service = obj.service(preload=True)
        history: list[dict[str, str]] = []
        for line in sys.stdin:
            q = line.strip()
            if not q:
                continue
            try:
                answer: Answer = service.ask(q, history, filters)
            except InputError as e:
                click.echo(f"Error: {e}", err=True)
                continue
            click.echo(answer_text(answer) + "\n")
            history += [{"role": "user", "content": q}, {"role": "assistant", "content": answer.text}]

    run_safely(go)


@main.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_(obj: Context, as_json: bool) -> None:
    """List the stored articles: id, title, source, date, chunks."""

    def go() -> None:
        arts = obj.service().list_articles()
        if as_json:
            click.echo(json.dumps([a.listing() for a in arts], indent=2, ensure_ascii=False))
            return
        from .render import id_shown, list_line

        for a in arts:
            click.echo(list_line(id_shown(a.id), a.title, a.source or "-", a.published or "-", a.n_chunks))
        click.echo(f"{len(arts)} articles.", err=True)

    run_safely(go)


@main.command()
@click.argument("article_id")
@click.pass_obj
def delete(obj: Context, article_id: str) -> None:
    """Delete the article ARTICLE_ID and its passages."""

    def go() -> None:
        from .render import term_safe

        art = obj.service().delete(article_id)
        click.echo(term_safe(f"Deleted {art.id}: {art.title} ({art.n_chunks} passages)."))

    run_safely(go)


@main.command()
@click.option(
    "--repair",
    is_flag=True,
    help="Rebuild a vector index a crash left unreadable, delete stray passages, re-index incomplete articles, "
    "rebuild the keyword index.",
)
@click.pass_obj
def check(obj: Context, repair: bool) -> None:
    """Check the store for what a crash can leave: an unreadable vector index, stray passages,
    incomplete articles, keyword drift.

    Exits 1 when problems remain (run again with --repair to fix them)."""

    def go() -> None:
        from .render import check_text

        service = obj.service(seed=False)
        before, after = service.check(repair=repair)
        click.echo(check_text(before, after))
        # what users said and kept is never "repaired" by deleting it: a damaged file is named, to move aside
        damaged = [m for m in (service.feedback.check(), service.conversations.check()) if m]
        click.echo("\n".join(damaged) or f"Feedback log ({len(service.feedback.all())} ratings) and "
                   "conversations: readable.")  # fmt: skip
        if not (after or before).ok or damaged:
            sys.exit(1)

    run_safely(go)


main.add_command(feed)
main.add_command(feedback)


@main.command(name="eval")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path), help="corpus.jsonl (documents).")
@click.option("--questions", type=click.Path(dir_okay=False, path_type=Path), help="questions.jsonl.")
@click.option("--limit", type=int, help="Use only the first N questions.")
@click.option("--with", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Another corpus file to index with it (RGB's corpus_counterfactual.jsonl); repeatable.")  # fmt: skip
@click.option("--baseline", type=click.Choice(["naive"]), help="Also run LangChain's tutorial setup and compare.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write every figure here.")
@click.option(
    "--store-dir", type=click.Path(file_okay=False, path_type=Path), help="Eval store (default: under the data dir)."
)
@click.option("--answerer", "eval_answerer", help="Answerer to measure (default: NEWSRAG_ANSWERER).")
@click.pass_obj
def eval_(obj: Context, folder: Path | None, corpus: Path | None, questions: Path | None, limit: int | None,
          extra: tuple[Path, ...], baseline: str | None, json_out: Path | None, store_dir: Path | None,
          eval_answerer: str | None) -> None:  # fmt: skip
    """Measure retrieval, answers, citations, abstention and latency on a QA set (FOLDER or --corpus/--questions)."""

    def go() -> None:
        from rag.evaluate import EvalInputs, EvalRun, default_store_dir, format_table
        from vectorstore.embedders import make_embedder

        if eval_answerer:
            obj.overrides["answerer"] = eval_answerer
        settings = obj.settings()
        inputs = EvalInputs.resolve(folder, corpus, questions)
        inputs.extra = list(extra)
        inputs.load(limit)
        run = EvalRun(
            settings=settings,
            inputs=inputs,
            embedder=make_embedder(settings.embedder, settings.models_dir),
            store_dir=store_dir or default_store_dir(settings, inputs),
            baseline=baseline == "naive",
        )
        n_asks = len(inputs.items) * (2 if run.baseline else 1)
        with progress_bar(obj.quiet, "Indexing the corpus") as tick:
            run.ingest(on_progress=tick)
        with progress_bar(obj.quiet, "Asking", " questions") as tick:
            report = run.run(on_question=lambda: tick(None))
        click.echo(format_table(report))
        if json_out:
            json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
            click.echo(f"Wrote {json_out} ({n_asks} questions asked).", err=True)

    run_safely(go)


@main.command()
@click.option("--host", help="Address to bind [NEWSRAG_HOST, default 127.0.0.1].")
@click.option("--port", type=int, help="Port [NEWSRAG_PORT, default 7860].")
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None) -> None:
    """Serve the chat UI (http://127.0.0.1:7860 by default)."""

    def go() -> None:
        obj.overrides.update({"host": host, "port": port})
        from .api import ApiKeys
        from .web import check_port_free, exposure_warning
        from .web import serve as serve_web

        st = obj.settings()
        check_port_free(st.host, st.port)  # before the slow start, not after it
        keys = ApiKeys.parse(st.api_keys, st.host, ui_login=bool(st.auth))  # a malformed key: said now
        warning = exposure_warning(st)
        if warning:
            click.secho(warning, err=True, fg="red", bold=True)
        if notice := keys.notice():
            click.echo(notice, err=True)
        service = obj.service(preload=True)
        obj.say_preparing()
        click.echo("newsrag: loading the model…", err=True)
        service.warm_up()
        service.measure_encoder()  # once per CPU, in the background: which backend runs fastest here
        click.echo(f"newsrag: chat UI on http://{st.host}:{st.port}  (Ctrl+C to stop)", err=True)
        poller = service.feed_poller().start()  # followed feeds, every NEWSRAG_FEED_MINUTES
        try:
            serve_web(service, st)
        finally:
            poller.stop()

    run_safely(go)


@main.command()
@click.pass_obj
def mcp(obj: Context) -> None:
    """Serve newsrag's MCP tools over stdio, for an MCP host that starts this command (Claude
    Desktop, Cursor, …): ask, search, briefing, add_article, list_articles.  See docs/api.md."""

    def go() -> None:
        from .api import stdio_mcp

        service = obj.service(preload=True)  # (its notices go to stderr: stdout is the protocol's)
        service.warm_up()
        stdio_mcp(service, obj.settings()).run("stdio")

    run_safely(go)


OWN_PROCESS = object()


def console() -> None:
    """The `newsrag` command: :func:`main` in a process of its own (see :meth:`Context.done`)."""
    main(obj=OWN_PROCESS)


if __name__ == "__main__":
    console()
