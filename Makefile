# aidx: `make demo` runs the platform, `make test` runs every test. Both set themselves up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
AIDX   := $(BIN)/aidx
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL := $(or $(AIDX_TEST_POSTGRES),$(DATABASE_URL))
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/aidx_bench_quick
PYTEST_ARGS ?=


.PHONY: install-runtime
.PHONY: demo test test-sqlite test-postgres check lint typecheck imports install messages makemessages clean bench bench-quick

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The demo needs only the runtime; tests and checks add their tools on top.
$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.installed-runtime
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled catalogues are build output (not in git); msgfmt comes with Debian's gettext.
LOCALE_PO := $(wildcard locale/*/LC_MESSAGES/*.po)
LOCALE_MO := $(LOCALE_PO:.po=.mo)
locale/%.mo: locale/%.po
	msgfmt --check -o $@ $<

install: $(VENV)/.installed node_modules/.installed $(LOCALE_MO)

install-runtime: $(VENV)/.installed-runtime node_modules/.installed $(LOCALE_MO)

messages: $(LOCALE_MO)

makemessages: install
	$(AIDX) makemessages -l nb -l nn --no-obsolete --no-location --ignore=.venv --ignore=node_modules --ignore=var

demo: install-runtime
	$(AIDX) migrate --noinput
	$(AIDX) scenario load covid-2020
	@echo ""
	@echo "aidx is starting on http://$(HOST):$(PORT)/ (Ctrl-C stops the web server and the worker)"
	@$(AIDX) scenario accounts covid-2020
	@echo ""
	@# Ctrl-C reaches the worker and the server (one process group) and each stops by itself: the shell waits for
	@# the worker to finish; if the server stops for another reason, the shell stops the worker by its pid. (A trap
	@# that ran `kill 0` signalled the shell too, re-entered itself until dash's stack overflowed, and ended every
	@# demo in "Segmentation fault".)
	@$(AIDX) worker --interval 1 --no-reload & worker=$$!; \
	  trap 'wait $$worker; worker=; exit 0' INT; \
	  trap '[ -z "$$worker" ] || { kill $$worker 2>/dev/null; wait $$worker; }' EXIT; \
	  $(AIDX) runserver $(HOST):$(PORT) --noreload

test: install
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$(PG_URL)" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL pass skipped: set AIDX_TEST_POSTGRES=postgres://user@host:5432/aidx to run it."; fi

test-sqlite: install
	env -u DATABASE_URL AIDX_ENV=embedded $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	env DATABASE_URL=$(PG_URL) AIDX_ENV=embedded $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check aidx bench
	$(BIN)/ruff format --check aidx bench

typecheck: install
	$(BIN)/mypy aidx

imports: install
	$(BIN)/lint-imports

check: lint typecheck imports test

# Full-size benchmarks print the tables quoted in the issues; bench-quick runs each at a small size (CI).
bench: install
	$(BIN)/python bench/allocation.py --sizes 1000,10000,100000,1000000
	$(BIN)/python bench/airlift.py
	$(BIN)/python bench/imports.py --lines 10000
	$(BIN)/python bench/exchange.py --lines 1000000
	$(BIN)/python bench/stockpile.py
	$(BIN)/python bench/hostile_input.py

bench-quick: install
	$(BIN)/python bench/allocation.py --sizes 1000 --lp-max 50000
	$(BIN)/python bench/airlift.py --quick
	$(BIN)/python bench/imports.py --lines 500
	@if [ -n "$(PG_URL)" ]; then $(BIN)/python bench/exchange.py --database-url $(PG_BENCH_URL) --lines 2000 --repeat 3; fi
	@if [ -n "$(PG_URL)" ]; then $(BIN)/python bench/stockpile.py --quick; fi

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .hypothesis $(LOCALE_MO)
