#ifndef AUDIT_H
#define AUDIT_H
#endif
