#ifndef COMMIT_H
#define COMMIT_H
#endif
