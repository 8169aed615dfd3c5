# InterHub — the verbs people use. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PO_FILES := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
WEB_LANGUAGES := en it de sl hr hu
WEB_MO_FILES := $(foreach lang,$(WEB_LANGUAGES),locales/$(lang)/LC_MESSAGES/web.mo)

.DEFAULT_GOAL := help
.PHONY: help run test lint bench bench-broadcast bench-dashboard dashboard locales extract db artefacts clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "InterHub needs Python >= 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D messages -i $< -o $@

locales/%/LC_MESSAGES/web.mo: locales/%/LC_MESSAGES/web.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D web -i $< -o $@

locales: $(STAMP) $(MO_FILES) $(WEB_MO_FILES) ## compile the gettext catalogues (the bot's and the dashboard's)

extract: $(STAMP) ## refresh locales/messages.pot and locales/web.pot and merge them into the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o locales/messages.pot .
	$(BIN)/pybabel update -D messages -i locales/messages.pot -d locales --no-fuzzy-matching
	$(BIN)/pybabel extract -F babel-web.cfg -k N_ --no-location --sort-output -o locales/web.pot .
	$(BIN)/pybabel update -D web -i locales/web.pot -d locales --no-fuzzy-matching

artefacts: $(STAMP) ## train the NLU model and embed the articles (only when missing or stale)
	$(BIN)/interhub nlu train
	$(BIN)/interhub kb index

db: $(STAMP) ## migrate the database and load the demo data
	$(BIN)/interhub db upgrade
	$(BIN)/interhub db seed

run: locales artefacts db ## set everything up and start the bot (console chat without TELEGRAM_BOT_TOKEN)
	$(BIN)/interhub run

test: locales artefacts ## set everything up and run the whole test suite
	$(BIN)/python -m pytest

bench: locales artefacts ## latency of each answering stage, memory, time to ready
	$(BIN)/python -m tests.bench.run

bench-broadcast: locales ## 10,000 broadcast recipients, 2 senders, fake Bot API enforcing 30/s and 1/s per chat; then SIGKILL at half
	$(BIN)/python -m tests.bench.broadcast

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check bot nlu knowledge actions core web tests
	$(BIN)/ruff format --check bot nlu knowledge actions core web tests
	$(BIN)/mypy

dashboard: locales ## set up, load the demo activity, create demo accounts, serve the dashboard on :8080
	$(BIN)/interhub db upgrade
	$(BIN)/interhub db seed
	$(BIN)/interhub db seed --demo
	$(BIN)/interhub web-users demo --write artefacts/demo-logins.txt
	$(BIN)/interhub web --host 127.0.0.1 --port 8080

bench-dashboard: locales ## page load times (p50, p95) of every dashboard page with the demo data
	$(BIN)/python -m tests.bench.dashboard

clean: ## remove the virtual environment and build artefacts
	rm -rf $(VENV) $(MO_FILES) $(WEB_MO_FILES) artefacts .pytest_cache .mypy_cache .ruff_cache

include mk/rasa.mk
