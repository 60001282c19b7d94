# stdin: Ada
# stdin: 36
name = input("Name: ")
age = int(input("Age: "))
print(f"{name} is {age}")
try:
    input("More? ")
except EOFError as e:
    print("EOFError:", e)
