# hokuto — top-level entry points. The build itself is Meson + Ninja.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz

.PHONY: all deps check demo bench fuzz soak clean install

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	@scripts/deps.sh build
	meson setup $(BUILD)

deps:
	scripts/deps.sh all

# Every test layer: unit + simulation (gcc), the same under ASan+UBSan
# (clang), interop against Linux in namespaces, and short fuzz runs.
check: deps
	scripts/check.sh

demo: deps all
	scripts/demo.sh

bench: deps all
	scripts/bench.sh

fuzz: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} scripts/fuzz.sh

soak: deps all
	SOAK=1 scripts/soak.sh

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
