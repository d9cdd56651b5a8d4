#ifndef TOKEN_H
#define TOKEN_H
#endif
