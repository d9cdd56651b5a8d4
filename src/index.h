#ifndef INDEX_H
#define INDEX_H
#endif
