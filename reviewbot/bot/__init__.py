"""The list bot: follow a mailing-list archive, review each series, reply.

One pass (``reviewbot bot --once``) reads what is new from every source of
every configured list, stores it in the SQLite state, reviews the series
that are ready, plans the replies and Patchwork checks, and delivers what
the policy allows.  The service (``reviewbot bot``) repeats passes.

Modules, in the order data flows through them:

- ``config``: the TOML configuration, as frozen dataclasses;
- ``gitinbox``, ``lore``, ``localmail``: the sources (public-inbox git
  epochs, lore over HTTP, a local mbox or Maildir), all yielding
  ``Incoming`` messages with a cursor to store;
- ``ingest``: classify and store each message, key it to its series;
- ``tracker``: which series are ready, which version precedes which;
- ``versions``: finding fingerprints and what to say again (or not);
- ``compose``: the reply mails and check payloads;
- ``deliver``, ``patchwork``: outbox Maildir, SMTP, Patchwork REST;
- ``policy``: rate limit, quiet hours, embargo, opt-out;
- ``state``: the SQLite schema and queries;
- ``runner``: one pass; ``service``: the loop.
"""
