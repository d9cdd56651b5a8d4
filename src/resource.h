#ifndef RESOURCE_H
#define RESOURCE_H
#endif
