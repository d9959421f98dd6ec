// Why this exists: SwiftPM links every executable on Linux with `--defsym main=<Module>_main` (so tests
// can link an executable's code), and under `-parse-as-library` no `<Module>_main` is emitted, so the
// link fails. Each fuzz target therefore defines `<Module>_main` itself (`@_cdecl`) and calls this,
// which hands control to libFuzzer's own driver (`LLVMFuzzerRunDriver`, libFuzzer's documented API
// for programs that keep their own `main`). The command line is libFuzzer's, unchanged.
#include <stddef.h>
#include <stdint.h>
#include "FuzzSupport.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int mynagate_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

void __lsan_disable(void) __attribute__((weak));
void __lsan_enable(void) __attribute__((weak));

// For targets whose fixture lives in a global: one empty input before libFuzzer starts, with
// LeakSanitizer looking away, because it cannot follow Swift's tagged (spare-bit) pointers into the
// global and would report the fixture as leaked by the first input and again at exit.
int mynagate_fuzz_main_warm(int argc, char **argv) {
    static const uint8_t none = 0;
    if (__lsan_disable) __lsan_disable();
    LLVMFuzzerTestOneInput(&none, 0);
    if (__lsan_enable) __lsan_enable();
    return mynagate_fuzz_main(argc, argv);
}
