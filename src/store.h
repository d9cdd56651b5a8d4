#ifndef STORE_H
#define STORE_H
#endif
