/*
 * The fuzz harnesses: each defines the libFuzzer entry point below, built
 * with clang -fsanitize=fuzzer by `make fuzz` and with replay.c's main()
 * by the normal build, which replays the checked-in inputs.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif /* FUZZ_H */
