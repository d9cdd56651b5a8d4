#ifndef AUTH_H
#define AUTH_H
#endif
