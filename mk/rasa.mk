# Rasa: the optional NLU server in its own Python 3.10 venv (docs/nlu-backends.md).
# Included by the Makefile after BIN and STAMP are defined. The venv is $RASA_VENV, else .venv-rasa.
.PHONY: rasa rasa-venv rasa-serve rasa-test compare rasa-clean

rasa-venv: $(STAMP) ## create .venv-rasa: Python 3.10 + rasa 3.6.21 (reused when complete)
	$(BIN)/interhub rasa setup

rasa: rasa-venv ## rasa-venv, then train the Rasa NLU model (only when nlu/data or config.yml changed)
	$(BIN)/interhub rasa train

rasa-serve: rasa ## run the Rasa server on 127.0.0.1 (port of RASA_URL) until Ctrl-C
	$(BIN)/interhub rasa serve

rasa-test: $(STAMP) ## Rasa integration test: set up, train, serve, parse in three languages, fall back, stop
	RUN_RASA=1 $(BIN)/python -m pytest -m rasa tests/nlu/test_rasa_integration.py

compare: rasa-venv ## embedded vs Rasa on one held-out split: accuracy, macro-F1, latency, memory
	$(BIN)/interhub nlu compare

rasa-clean: ## remove the Rasa venv (2.7 GB) and the Rasa models
	rm -rf "$${RASA_VENV:-.venv-rasa}" artefacts/rasa
