/*
 * lmdb_hold DIR: take the write lock of the LMDB environment in DIR (what
 * another process's write transaction, scimctl import say, does), say
 * "held" on stdout and keep it until stdin ends.  integration/writer.sh
 * uses it to show that scimd's reads go on while its writes wait.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lmdb.h>

int
main(int argc, char *argv[])
{
	MDB_env	*env;
	MDB_txn	*txn;
	int	 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: lmdb_hold dir\n");
		return (2);
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		fprintf(stderr, "lmdb_hold: %s: %s\n", argv[1],
		    mdb_strerror(rc));
		return (1);
	}
	printf("held\n");
	fflush(stdout);
	while (getchar() != EOF)
		;
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return (0);
}
