/*
 * Without libFuzzer, each fuzz target is a TAP test that replays its seed
 * corpus (fuzz/NAME.in/) and every crash found later (fuzz/NAME.repro/)
 * through LLVMFuzzerTestOneInput, so findings stay regression tests (the
 * Knot DNS pattern).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	count;

static void
replay_dir(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[4096];
	FILE		*f;
	uint8_t		*buf;
	long		 n;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		buf = malloc(n > 0 ? (size_t)n : 1);
		if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			printf("not ok %d - read %s\n", ++count, path);
			free(buf);
			fclose(f);
			continue;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		free(buf);
		printf("ok %d - %s\n", ++count, path);
		fflush(stdout);
	}
	closedir(d);
}

int
main(int argc, char *argv[])
{
	const char	*name = strrchr(argv[0], '/');
	char		 dir[4096];
	size_t		 len;

	(void)argc;
	name = name != NULL ? name + 1 : argv[0];
	if (strncmp(name, "lt-", 3) == 0)
		name += 3;
	len = strlen(name);
	snprintf(dir, sizeof(dir), "%s/fuzz/%.*s.in", SRCDIR, (int)len, name);
	replay_dir(dir);
	snprintf(dir, sizeof(dir), "%s/fuzz/%.*s.repro", SRCDIR, (int)len, name);
	replay_dir(dir);
	if (count == 0)
		printf("1..0 # SKIP no corpus for %s\n", name);
	else
		printf("1..%d\n", count);
	return (0);
}
