"""What users say of answers: a thumbs up or down, a comment, the right answer.

``record`` holds one rating with everything needed to ask the question again (the
question, its as-of date and filters, the answer, the cited sentences, the retrieved ids);
``log`` keeps them in SQLite in the data directory; ``export`` turns them into an
evaluation set in ``../shared/eval``'s format, so ``newsrag eval`` reruns the users' own
questions after any change.  May import ``rag.answer``, ``rag.sqlite_file`` and ``vectorstore``'s records and errors."""
