/*
 * Fuzz the scimd.conf parser: any bytes must give 0 or -1, never a crash,
 * an out-of-bounds access or a leak.
 */
#include "scimd.h"

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct scimd_config	c;

	/* Errors log at warn level; keep the fuzzer's output readable. */
	log_init("fuzz", LOG_LVL_ERROR);
	(void)config_load_buf("fuzz.conf", (const char *)data, len, &c);
	config_free(&c);
	return (0);
}
